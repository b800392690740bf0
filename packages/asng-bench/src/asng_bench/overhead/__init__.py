"""Overhead of the asng-opt optimizers: wall time of one ask()+tell() pair."""
