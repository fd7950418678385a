"""Use-cases of the indicators app, one module per stage of the work:

``definitions``  indicators as data, the seed file's figures and targets
``compute``      recomputing every registered rule, reading an actual
``targets``      target import, 分解下达 (splitting a city target across districts)
``cockpit``      what the leaders' page shows, scoped to the user
``reports``      the 指标监测简报 (.docx) and its tables (.xlsx)
"""
