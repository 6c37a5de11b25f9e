"""The synthetic distributor: realistic ERP extracts of a site-by-site rollout (`observatory generate`)."""

from simulator.generator import DEFAULT_START, GenerationResult, generate, generate_sample
from simulator.parameters import Parameters, Region, load_parameters

__all__ = [
    "DEFAULT_START",
    "GenerationResult",
    "Parameters",
    "Region",
    "generate",
    "generate_sample",
    "load_parameters",
]
