"""The engine: the only part of relsim that imports SimPy."""

from relsim.engine.simulation import OUTAGE_FIELDS, Outage, RunResult, Simulation, simulate

__all__ = ["OUTAGE_FIELDS", "Outage", "RunResult", "Simulation", "simulate"]
