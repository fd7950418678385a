def load_techmarket(ctx: dict, stdout) -> None:
    pass
