"""`sparknlp.base`: the assembler, the finisher and LightPipeline."""

from runtime.compat.light import LightPipeline
from runtime.compat.stages import DocumentAssembler, EmbeddingsFinisher

__all__ = ["DocumentAssembler", "EmbeddingsFinisher", "LightPipeline"]
