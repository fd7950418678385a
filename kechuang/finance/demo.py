def load_finance(ctx, stdout):
    pass
