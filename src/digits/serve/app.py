"""The HTTP API and web page: a thin shell over :class:`digits.recognizer.Recognizer`.

Routes: ``POST /v1/predict`` (one digit), ``POST /v1/read`` (every digit),
``GET /v1/models``, ``GET /healthz``, the page at ``/`` with its assets under
``/static``, and the OpenAPI docs at ``/docs``. Models are loaded once, by
:func:`create_app`; inference runs in worker threads, never on the event loop.

Bad input always gets a 4xx JSON ``{"detail": "..."}``: a body over the limit
413 (before it is read), an image over 40 megapixels 413 (before it is
decoded), something that is not an image 415, malformed JSON or the wrong
number of pixels 422, an unknown model 404 (listing the models).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from importlib import resources
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from digits import __version__
from digits.catalogue import ModelCatalogue, UnknownModelError
from digits.errors import InputError
from digits.imaging.io import ImageDecodeError, ImageTooLargeError
from digits.models.line_reader import SHIPPED, SHIPPED_LOOSE, SHIPPED_WORDS, shipped_line_readers
from digits.models.pretrained import SHIPPED_MODEL
from digits.recognizer import Prediction, Reading, Recognizer
from digits.serve.limits import BodyLimitMiddleware
from digits.serve.schemas import ErrorResponse, ModelsResponse, PixelsRequest, PredictResponse, ReadResponse

T = TypeVar("T")
STATIC = resources.files("digits.serve") / "static"


@dataclass(frozen=True)
class ServeConfig:
    """Settings of the HTTP server.

    Attributes
    ----------
    models : tuple of str
        ``fast-cnn`` (the shipped model) or model folders; the first is the default.
    runtime : {'auto', 'torch', 'onnx'}
        How folder models predict.
    max_body_bytes : int
        Largest request body accepted.
    min_confidence : float
        Default of the ``min_confidence`` parameter: answers below it are rejected ("not sure").
    inference_threads : int
        Requests recognized at the same time; more wait for a free thread.
    cors_origins : tuple of str
        Origins allowed to call the API from a browser (CORS); empty: CORS off.
    """

    models: tuple[str, ...] = (SHIPPED_MODEL,)
    runtime: str = "auto"
    max_body_bytes: int = 10 * 1024 * 1024
    min_confidence: float = 0.5
    inference_threads: int = 2
    cors_origins: tuple[str, ...] = ()


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text}
    for code, text in {
        404: "Unknown model (the message lists the models).",
        413: "Request body over the limit, or an image over 40 megapixels.",
        415: "Not an image in a supported format, or an unsupported content type.",
        422: "Malformed JSON, wrong number of pixels or a bad parameter.",
    }.items()
}
MODEL_QUERY = Query(description="A model from /v1/models (default: the server's default model).")
UPLOAD = {
    "schema": {
        "type": "object",
        "required": ["file"],
        "properties": {
            "file": {"type": "string", "format": "binary", "description": "Any image (PNG, JPEG, ...)."},
            "model": {"type": "string", "description": "Overrides the model query parameter."},
            "min_confidence": {"type": "number", "description": "Overrides the query parameter."},
        },
    }
}
PREDICT_BODY = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": UPLOAD, "application/json": {"schema": PixelsRequest.model_json_schema()}},
    }
}
READ_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": UPLOAD}}}


def create_app(config: ServeConfig | None = None) -> FastAPI:
    """Load the models named in ``config`` and build the application.

    Raises
    ------
    InputError, ModelFileError
        If a model cannot be loaded or two models share a name.
    """
    config = config or ServeConfig()
    catalogue = ModelCatalogue(list(config.models), runtime=config.runtime)
    for names in (SHIPPED, SHIPPED_LOOSE, SHIPPED_WORDS):  # /v1/read's line readers, loaded now, not at a request
        shipped_line_readers(names)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.limiter = anyio.CapacityLimiter(config.inference_threads)
        yield

    app = FastAPI(
        title="digits",
        version=__version__,
        summary="Handwritten digit recognition: one digit, or every digit in a picture.",
        lifespan=lifespan,
    )
    app.state.catalogue = catalogue
    app.state.config = config
    _add_handlers(app)
    _add_routes(app)
    _add_recognition_routes(app)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.add_middleware(BodyLimitMiddleware, max_bytes=config.max_body_bytes)
    if config.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(config.cors_origins), allow_methods=["GET", "POST"])
    return app


MinConfidence = Annotated[
    float | None, Query(ge=0, le=1, description="Reject answers below this confidence (default: the server's, 0.5).")
]


def _add_routes(app: FastAPI) -> None:
    """The page, ``/healthz`` and ``/v1/models``."""

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(str(STATIC / "index.html"))

    @app.get("/healthz", summary="Liveness: the server answers and its models are loaded.")
    def healthz(request: Request) -> dict[str, Any]:
        return {"status": "ok", "models": len(request.app.state.catalogue.names)}

    @app.get("/v1/models", response_model=ModelsResponse, summary="The models on offer, with test accuracy.")
    def models(request: Request) -> ModelsResponse:
        catalogue: ModelCatalogue = request.app.state.catalogue
        return ModelsResponse.model_validate({"default": catalogue.default, "models": catalogue.describe()})


def _add_recognition_routes(app: FastAPI) -> None:
    """``/v1/predict`` and ``/v1/read``: parse the request, recognize in a worker thread, answer."""

    @app.post(
        "/v1/predict",
        response_model=PredictResponse,
        responses=ERRORS,
        openapi_extra=PREDICT_BODY,
        summary="The one digit in an image (multipart `file`) or in 28x28 pixels (JSON `pixels`).",
    )
    async def predict(
        request: Request, model: Annotated[str | None, MODEL_QUERY] = None, min_confidence: MinConfidence = None
    ) -> PredictResponse:
        if _media_type(request) == "application/json":
            body = await request.body()
            recognizer = _recognizer(request, model, min_confidence)
            prediction = await _infer(request, lambda: recognizer.predict(_pixels(body)))
        else:
            data, model, min_confidence = await _upload(request, model, min_confidence)
            recognizer = _recognizer(request, model, min_confidence)
            prediction = await _infer(request, lambda: recognizer.predict(data))
        return _prediction_response(prediction, _model_name(request, model))

    @app.post(
        "/v1/read",
        response_model=ReadResponse,
        responses=ERRORS,
        openapi_extra=READ_BODY,
        summary="Every digit in an image (multipart `file`), in reading order, with boxes.",
    )
    async def read(
        request: Request, model: Annotated[str | None, MODEL_QUERY] = None, min_confidence: MinConfidence = None
    ) -> ReadResponse:
        data, model, min_confidence = await _upload(request, model, min_confidence)
        recognizer = _recognizer(request, model, min_confidence)
        reading: Reading = await _infer(request, lambda: recognizer.read(data))
        return ReadResponse.model_validate({**reading.to_dict(), "model": _model_name(request, model)})


def _recognizer(request: Request, model: str | None, min_confidence: float | None) -> Recognizer:
    config: ServeConfig = request.app.state.config
    threshold = config.min_confidence if min_confidence is None else min_confidence
    return request.app.state.catalogue.recognizer(model or None, threshold)  # empty: the default


def _model_name(request: Request, model: str | None) -> str:
    return model or request.app.state.catalogue.default


async def _infer(request: Request, work: Callable[[], T]) -> T:
    """Run ``work`` in a worker thread (at most ``inference_threads`` at once), off the event loop."""
    return await anyio.to_thread.run_sync(work, limiter=request.app.state.limiter)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _upload(
    request: Request, model: str | None, min_confidence: float | None
) -> tuple[bytes, str | None, float | None]:
    """The bytes of the multipart field ``file``, with the ``model`` and ``min_confidence`` fields if sent."""
    if _media_type(request) != "multipart/form-data":
        raise HTTPException(
            415,
            f"Expected a multipart/form-data upload with the image in a field named 'file' "
            f'(or, for /v1/predict, JSON {{"pixels": [...]}}); got content type {_media_type(request) or "none"!r}.',
        )
    async with request.form(max_files=1, max_fields=8) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(
                422, "The multipart body has no file field named 'file'; send the image as file=@IMAGE."
            )
        data = await upload.read()
        model = _text_field(form.get("model")) or model
        threshold = _text_field(form.get("min_confidence"))
    if threshold is not None:
        min_confidence = _probability(threshold)
    return data, model, min_confidence


def _text_field(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise HTTPException(422, "The fields 'model' and 'min_confidence' must be text, not files.")
    return value


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value <= 1.0:
        raise HTTPException(422, f"min_confidence must be a number from 0 to 1, got {text[:40]!r}.")
    return value


def _pixels(body: bytes) -> Any:
    """The 28x28 uint8 image of a JSON ``{"pixels": ...}`` body; InputError (422) when malformed."""
    try:
        return PixelsRequest.model_validate_json(body).image()
    except ValidationError as exc:
        raise InputError(
            f'Invalid JSON body: {_validation_message(exc)}. Send {{"pixels": [784 values 0-255]}}.'
        ) from exc


def _validation_message(exc: ValidationError) -> str:
    """The first few problems of a pydantic error, as one line."""
    errors = exc.errors(include_url=False)
    parts = [f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in errors[:3]]
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return "; ".join(parts) + more


def _prediction_response(prediction: Prediction, model: str) -> PredictResponse:
    image = None if prediction.image is None else prediction.image.tolist()
    fields = {**prediction.to_dict(), "rejected": prediction.rejected, "model": model, "image": image}
    return PredictResponse.model_validate(fields)


def _add_handlers(app: FastAPI) -> None:
    """Every error a client causes becomes a 4xx JSON ``{"detail": message}``."""
    for error, status in (
        (UnknownModelError, 404),
        (ImageTooLargeError, 413),
        (ImageDecodeError, 415),
        (InputError, 422),
    ):
        app.add_exception_handler(error, _handler(status))

    async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
        problems = exc.errors() if isinstance(exc, RequestValidationError) else []
        text = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in problems[:3])
        return JSONResponse({"detail": f"Invalid request: {text}."}, status_code=422)

    app.add_exception_handler(RequestValidationError, invalid_request)


def _handler(status: int) -> Callable[[Request, Exception], Any]:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status)

    return handle
