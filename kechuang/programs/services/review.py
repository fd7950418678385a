"""Use-cases of the programmes app's review stage."""
