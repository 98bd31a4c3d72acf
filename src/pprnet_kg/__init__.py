"""pprnet-kg: the PPRNet psychotherapy research blog as a knowledge graph.

The pipeline runs sources -> parse -> extract -> graph -> store -> query / viz / export;
`pprnet_kg.pipeline.build` chains it and is the entry point for notebooks.
"""

__version__ = "0.1.0"
