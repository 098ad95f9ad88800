"""Exceptions raised by the runtime. Every message names the model, the URL or the path involved,
and what would fix the problem."""

from __future__ import annotations


class RuntimeErrorBase(Exception):
    """Base of every error the runtime raises."""


class ArtifactError(RuntimeErrorBase):
    """A model artifact could not be resolved, downloaded, verified, unpacked or read."""


class ResolveError(ArtifactError, ValueError):
    """The card names no usable artifact URL."""


class DownloadError(ArtifactError, OSError):
    """The artifact could not be downloaded (network, HTTP status, timeout)."""


class ChecksumError(ArtifactError):
    """The downloaded bytes do not match the expected size or sha256."""


class OfflineCacheMiss(ArtifactError, FileNotFoundError):
    """Offline mode is on and the model is not in the cache."""


class UnsafeArchiveError(ArtifactError):
    """The archive holds entries that escape the target folder, links, or an absurd unpacked size."""


class CorruptArchiveError(ArtifactError):
    """The archive is truncated or not a zip file."""


class ModelFolderError(ArtifactError):
    """An unpacked folder is not a model folder the runtime can read."""


class UnsupportedArtifactError(ModelFolderError):
    """A recognized artifact the runtime cannot run yet (e.g. a TensorFlow SavedModel)."""


class TensorflowExtraMissing(UnsupportedArtifactError):
    """A TensorFlow model is met and not converted yet, and the optional extra that converts it
    (`pip install 'cardhub[tf]'`: tensorflow-cpu, tf2onnx) is not installed."""


class TensorflowLayoutError(UnsupportedArtifactError):
    """A TensorFlow container in none of the layouts Spark NLP writes; the message lists its files."""


class ConversionError(ModelFolderError):
    """The one-off TensorFlow -> ONNX conversion failed, or its graph does not reproduce
    TensorFlow's outputs; nothing was cached."""


class UnsupportedAnnotatorError(RuntimeErrorBase, NotImplementedError):
    """The card's annotator is not one the runtime runs; the message lists the ones it does."""


class LicenseRequiredError(ArtifactError, PermissionError):
    """The card's model needs a license (private bucket folder, `licensed` tag, hidden Download
    link): the runtime refuses it at once instead of failing on the download after retries."""


class CompatError(RuntimeErrorBase):
    """The Spark NLP-compatible layer (runtime.compat) cannot run what it was given."""


class UnknownModelReferenceError(CompatError, LookupError):
    """An nlu reference no card in the registry declares; the message lists the closest ones."""


class WrongAnnotatorError(CompatError, ValueError):
    """`X.pretrained(name)` for a model whose card declares another annotator."""


class PipelineError(CompatError, ValueError):
    """A stage's input columns are missing or of the wrong annotator type."""


class JavaUnavailableError(CompatError):
    """A SparkSession was asked for on a machine with no Java runtime."""
