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


class UnsupportedAnnotatorError(RuntimeErrorBase, NotImplementedError):
    """The card's annotator is not one the runtime runs; the message lists the ones it does."""
