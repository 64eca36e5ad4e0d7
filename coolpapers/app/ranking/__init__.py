"""Ranking a day's papers for one reader ("For you"): text vectors of title and abstract under a
vocabulary fitted on the stored papers, and the papers' similarity to the ones the reader liked."""
