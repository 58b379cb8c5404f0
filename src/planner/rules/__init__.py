"""Optimizer rules, one per module; ``flowsql.planner.optimizer.PHASES`` orders them."""
