"""Use-cases of the programmes app's awards stage."""
