"""Use-cases of 项目征集 (solicitation of project ideas)."""
