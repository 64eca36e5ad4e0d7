FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/coolpapers

# The locked runtime set first (hash-checked), so code changes don't reinstall it.
COPY requirements/runtime.txt requirements/runtime.txt
RUN pip install -r requirements/runtime.txt

COPY . .
RUN pip install --no-deps -e . && useradd --system --home /srv/coolpapers coolpapers \
    && mkdir -p /srv/coolpapers/data && chown coolpapers /srv/coolpapers/data
USER coolpapers

EXPOSE 8000
CMD ["coolpapers", "serve", "--host", "0.0.0.0", "--port", "8000"]
