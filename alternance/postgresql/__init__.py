"""Django's PostgreSQL backend with server-side prepared statements (``ENGINE`` of ``settings.base``)."""
