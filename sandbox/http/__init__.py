"""HTTP endpoints of the sandbox: Lambda function URLs and API Gateway REST and HTTP APIs.

moto stores the configuration (``create_function_url_config``, ``apigateway``,
``apigatewayv2``); this package serves it on a loopback port of its own, so that
``curl`` invokes a learner's function with the event AWS would build and gets back the
response AWS would send. See ``sandbox/http/README.md`` for the URL scheme.

    endpoints = HttpEndpoints("127.0.0.1")      # the sandbox starts one
    moto_app = endpoints.control_plane(moto_app)  # loopback URLs in the AWS API's answers
    endpoints.start(lambda_service)               # serve; endpoints.stop()
"""

from __future__ import annotations

from sandbox.http.listener import HttpEndpoints

__all__ = ["HttpEndpoints"]
