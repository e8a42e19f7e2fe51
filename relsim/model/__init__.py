"""Model description: schema, loading, validation and errors."""

from relsim.model.errors import ModelError, Problem
from relsim.model.loading import ExpandedComponent, Forcing, Model, from_dict, load, loads

__all__ = ["ExpandedComponent", "Forcing", "Model", "ModelError", "Problem", "from_dict", "load", "loads"]
