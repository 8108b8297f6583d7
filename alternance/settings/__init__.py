"""Settings package: ``base`` holds everything, ``local`` (default), ``production`` and ``test`` adjust it."""
