"""The HTTP API and web page (``digits serve``): a thin shell over :class:`digits.Recognizer`.

>>> from digits.serve import ServeConfig, create_app
>>> app = create_app(ServeConfig(models=("fast-cnn", "runs/my-svm")))   # any ASGI server can run it

See :mod:`digits.serve.app` for the routes and their errors.
"""

from digits.serve.app import ServeConfig, create_app

__all__ = ["ServeConfig", "create_app"]
