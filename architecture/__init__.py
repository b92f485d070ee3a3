"""The learner's sandbox as a live architecture map, its problems, and an export for real AWS.

No Streamlit here except in ``page.py`` and ``widgets.py``:

    build_graph(session, names=None) -> Graph      graph.py: nodes and edges read through boto3
    function_counts / recent_reports              activity.py: metrics and REPORT lines, priced
    find_problems(session, graph) -> [Problem]    problems.py: detectors with one-line fixes
    to_dot(graph, ...) -> str                     diagram.py: Graphviz DOT
    export_package(session, graph, ...)           export.py: CloudFormation + code + README, zipped
    deploy_package(session, zip_bytes, ...)       deploy.py: the export back into a sandbox account
"""
