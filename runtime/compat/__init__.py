"""Spark NLP- and NLU-shaped API over cardhub's runtime: the cards' own code, without the jar.

    from runtime.compat.sparknlp.base import DocumentAssembler, LightPipeline
    from runtime.compat.sparknlp.annotator import SentenceDetector, BertSentenceEmbeddings
    from runtime.compat import nlu

Layers, from the bottom: `annotation` (the record and its Spark/Arrow schema), `annotators`
(what each annotator computes, plain functions), `plans` (one stage's work as a picklable value),
`stages` (the pyspark ML stages), `execution` (plans on Spark through Arrow), `light`
(LightPipeline: the same plans in this process), `nlu`, and the `sparknlp` package that mirrors
Spark NLP's module names. Only `stages`, `execution`, `session` and `sparknlp` need pyspark; no
module installs a top-level `sparknlp` or `nlu` that would shadow the real ones.
"""
