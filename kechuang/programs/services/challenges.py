"""Use-cases of the programmes app's challenges stage."""
