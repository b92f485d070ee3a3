"""The engine against a real sandbox: calls as code, templates, and every check kind."""

import io
import json
import zipfile
from types import SimpleNamespace

import pytest

from labs.calls import Call, as_cli, as_python, run_call
from labs.checks import CHECKS
from labs.engine import (
    LabContext,
    TemplateError,
    context_for,
    fill,
    fill_text,
    learner_suffix,
    run_action,
)
from labs.model import CallSpec, load_labs
from labs.sample_events import SAMPLES, parse_event, sample
from tests.aws_helpers import BASIC_EXECUTION as BASIC
from tests.aws_helpers import allow_invoke, create_python_function

CODE = """\
def handler(event, context):
    print("seen", event.get("name"))
    return {"hello": event.get("name")}
"""


EVENTS = "events.amazonaws.com"


def make_function(session, name="fn", code=CODE):
    return create_python_function(session, name, code, Environment={"Variables": {"MODE": "lab"}})


def test_a_call_is_shown_as_python_and_as_the_cli():
    call = Call(
        "lambda",
        "invoke",
        {"FunctionName": "hello", "Payload": b'{"name": "Ada"}', "LogType": "Tail"},
    )
    assert (
        "client.invoke(\n    FunctionName='hello',\n    Payload=json.dumps({'name': 'Ada'})"
        in as_python(call)
    )
    cli = as_cli(call)
    assert cli.startswith("aws lambda invoke")
    assert '--payload \'{"name": "Ada"}\'' in cli and cli.endswith("response.json")


def test_an_aws_error_comes_back_in_the_record_not_as_an_exception(learner):
    _, session = learner
    record = run_call(session, Call("lambda", "get_function", {"FunctionName": "missing"}))
    assert not record.ok and record.error.startswith("ResourceNotFoundException")


def test_templates_are_filled_per_learner_and_an_unknown_one_is_named():
    ctx = LabContext({"account": "123456789012", "bucket": "photos-abc"}, event={"a": 1})
    assert fill({"Bucket": "${bucket}", "Payload": "$event"}, ctx) == {
        "Bucket": "photos-abc",
        "Payload": b'{"a": 1}',
    }
    assert json.loads(fill({"$json": {"Resource": "arn:aws:s3:::${bucket}"}}, ctx)) == {
        "Resource": "arn:aws:s3:::photos-abc"
    }
    with pytest.raises(TemplateError, match="nope"):
        fill_text("${nope}", ctx.values)
    assert learner_suffix("a") != learner_suffix("b") and len(learner_suffix("a")) == 8


def test_function_and_role_checks_pass_and_fail_with_what_they_found(learner):
    _, session = learner
    missing = CHECKS["function"](session, {"name": "fn"})
    assert not missing.passed and missing.found == "no function with that name"
    make_function(session)
    assert CHECKS["function"](
        session, {"name": "fn", "runtime": "python3.12", "environment": {"MODE": "lab"}}
    ).passed
    wrong = CHECKS["function"](session, {"name": "fn", "runtime": "python3.13"})
    assert not wrong.passed and wrong.found == "runtime python3.12"
    assert CHECKS["role"](
        session, {"name": "fn-role", "trusts": "lambda.amazonaws.com", "policies": [BASIC]}
    ).passed
    lacking = CHECKS["role"](
        session, {"name": "fn-role", "policies": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]}
    )
    assert not lacking.passed and "AWSLambdaBasicExecutionRole" in lacking.found


def test_invocation_and_log_checks(learner):
    _, session = learner
    make_function(session)
    assert CHECKS["invocation"](
        session, {"function": "fn", "event": {"name": "Ada"}, "expect": {"hello": "Ada"}}
    ).passed
    off = CHECKS["invocation"](
        session, {"function": "fn", "event": {"name": "Bo"}, "expect": {"hello": "Ada"}}
    )
    assert not off.passed and "'hello' is \"Bo\"" in off.found
    assert CHECKS["log"](
        session, {"function": "fn", "contains": ["seen Ada"], "min_invocations": 2}
    ).passed
    assert not CHECKS["log"](session, {"function": "fn", "absent": ["seen Bo"], "wait_s": 0}).passed
    assert not CHECKS["log"](session, {"function": "fn", "min_invocations": 5, "wait_s": 0}).passed


def test_an_error_in_the_handler_fails_the_invocation_check_with_its_message(learner):
    _, session = learner
    make_function(
        session, "broken", "def handler(event, context):\n    raise ValueError('no way')\n"
    )
    result = CHECKS["invocation"](session, {"function": "broken", "event": {}})
    assert not result.passed and "ValueError" in result.found and "no way" in result.found


def test_request_id_check_accepts_a_real_request_and_refuses_others(learner):
    _, session = learner
    make_function(session)
    record = run_call(
        session, Call("lambda", "invoke", {"FunctionName": "fn", "Payload": b'{"name": "B-7"}'})
    )
    assert record.ok and record.request_id
    assert CHECKS["request_id"](
        session, {"function": "fn", "request_id": record.request_id, "mentions": "B-7"}
    ).passed
    assert not CHECKS["request_id"](
        session, {"function": "fn", "request_id": "not-an-id", "mentions": "B-7"}
    ).passed
    assert not CHECKS["request_id"](session, {"function": "fn", "request_id": ""}).passed


def test_bucket_notification_permission_table_item_object_and_metric_checks(learner, lab_sandbox):
    learner_id, session = learner
    bucket = f"check-{learner_suffix(learner_id)}"
    assert not CHECKS["bucket"](session, {"name": bucket}).passed
    make_function(session)
    s3, lam = session.client("s3"), session.client("lambda")
    s3.create_bucket(Bucket=bucket)
    assert CHECKS["bucket"](session, {"name": bucket}).passed
    assert not CHECKS["permission"](
        session, {"function": "fn", "principal": "s3.amazonaws.com"}
    ).passed
    lam.add_permission(
        FunctionName="fn", StatementId="s3", Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}",
    )  # fmt: skip
    assert CHECKS["permission"](
        session,
        {"function": "fn", "principal": "s3.amazonaws.com", "source_arn": f"arn:aws:s3:::{bucket}"},
    ).passed
    arn = lam.get_function(FunctionName="fn")["Configuration"]["FunctionArn"]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={"LambdaFunctionConfigurations": [{
            "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".jpg"}]}},
        }]},
    )  # fmt: skip
    assert CHECKS["notification"](
        session, {"bucket": bucket, "function": "fn", "suffix": ".jpg"}
    ).passed
    wrong = CHECKS["notification"](session, {"bucket": bucket, "function": "fn", "suffix": ".png"})
    assert not wrong.passed and ".jpg" in wrong.found
    s3.put_object(Bucket=bucket, Key="a.jpg", Body=b"x")
    assert CHECKS["object"](session, {"bucket": bucket, "key": "a.jpg"}).passed
    assert not CHECKS["object"](session, {"bucket": bucket, "key": "b.jpg"}).passed
    lab_sandbox.wait_for_async()
    assert CHECKS["metric"](session, {"function": "fn", "name": "Invocations", "min": 1}).passed
    assert not CHECKS["metric"](session, {"function": "fn", "name": "Errors", "min": 1}).passed

    dynamodb = session.client("dynamodb")
    assert not CHECKS["table"](session, {"name": "t"}).passed
    dynamodb.create_table(
        TableName="t", AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
    )  # fmt: skip
    assert CHECKS["table"](session, {"name": "t"}).passed
    assert not CHECKS["items"](session, {"table": "t", "wait_s": 0}).passed
    dynamodb.put_item(TableName="t", Item={"k": {"S": "cat.jpg"}, "size": {"N": "3"}})
    assert CHECKS["items"](session, {"table": "t", "where": {"k": "cat.jpg"}}).passed
    assert not CHECKS["items"](
        session, {"table": "t", "where": {"k": "dog.jpg"}, "wait_s": 0}
    ).passed


@pytest.mark.parametrize("name", list(SAMPLES))
def test_every_sample_event_is_valid_json(name):
    event, problem = parse_event(sample(name, "123456789012"))
    assert problem is None and isinstance(event, dict)


def test_samples_cover_every_source_the_sandbox_delivers():
    titles = " ".join(SAMPLES)
    for source in ("S3", "SQS", "SNS", "EventBridge", "DynamoDB", "Kinesis", "CloudWatch Logs"):
        assert source in titles
    event, _ = parse_event(sample(next(t for t in SAMPLES if t.startswith("S3")), "123456789012"))
    assert event["Records"][0]["eventSource"] == "aws:s3"


def test_malformed_event_json_says_where():
    _, problem = parse_event('{"name": "Ada",}')
    assert "line 1" in problem and "not valid JSON" in problem


def test_showing_a_call_as_code_opens_no_connection_beyond_loopback():
    from course.loopback import attempts, install_guard

    install_guard()
    before = len(attempts())
    as_cli(Call("sqs", "create_queue", {"QueueName": "q"}))
    as_cli(Call("events", "put_rule", {"Name": "r", "ScheduleExpression": "rate(1 day)"}))
    assert attempts()[before:] == []


def test_queue_rule_subscription_destination_and_stack_checks(learner):
    _, session = learner
    make_function(session)
    sqs = session.client("sqs")
    assert not CHECKS["queue"](session, {"name": "jobs"}).passed
    dlq = sqs.create_queue(QueueName="jobs-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})
    url = sqs.create_queue(
        QueueName="jobs", Attributes={"VisibilityTimeout": "60", "RedrivePolicy": redrive}
    )["QueueUrl"]
    params = {
        "name": "jobs",
        "min_visibility_timeout": 18,
        "dead_letter_queue": "jobs-dlq",
        "max_receive_count": 3,
    }
    assert CHECKS["queue"](session, params).passed
    short = CHECKS["queue"](session, {"name": "jobs", "min_visibility_timeout": 90})
    assert not short.passed and short.found == "60 s"
    assert not CHECKS["queue_messages"](session, {"name": "jobs", "wait_s": 0}).passed
    sqs.send_message(QueueUrl=url, MessageBody='{"order": "A-1"}')
    assert CHECKS["queue_messages"](session, {"name": "jobs", "contains": "A-1"}).passed
    assert not CHECKS["queue_messages"](
        session, {"name": "jobs", "contains": "Z-9", "wait_s": 0}
    ).passed

    events = session.client("events")
    fn_arn = session.client("lambda").get_function(FunctionName="fn")["Configuration"][
        "FunctionArn"
    ]
    assert not CHECKS["rule"](session, {"name": "nightly", "function": "fn"}).passed
    events.put_rule(Name="nightly", ScheduleExpression="cron(0 3 * * ? *)")
    events.put_targets(Rule="nightly", Targets=[{"Id": "fn", "Arn": fn_arn}])
    assert CHECKS["rule"](
        session, {"name": "nightly", "function": "fn", "schedule": "cron(0 3 * * ? *)"}
    ).passed
    assert not CHECKS["rule"](
        session, {"name": "nightly", "function": "fn", "schedule": "rate(1 day)"}
    ).passed

    sns = session.client("sns")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    assert not CHECKS["subscription"](session, {"topic": "orders", "endpoint": "fn"}).passed
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn_arn)
    assert CHECKS["subscription"](session, {"topic": "orders", "endpoint": "fn"}).passed

    assert not CHECKS["failure_target"](session, {"function": "fn", "target": "jobs-dlq"}).passed
    session.client("lambda").put_function_event_invoke_config(
        FunctionName="fn", DestinationConfig={"OnFailure": {"Destination": dlq_arn}}
    )
    assert CHECKS["failure_target"](
        session, {"function": "fn", "target": "jobs-dlq", "via": "destination"}
    ).passed
    assert not CHECKS["failure_target"](
        session, {"function": "fn", "target": "jobs-dlq", "via": "dlq"}
    ).passed

    assert not CHECKS["stack"](session, {"name": "app"}).passed
    template = {
        "Resources": {
            "Bucket": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "from-stack"}}
        }
    }
    session.client("cloudformation").create_stack(
        StackName="app", TemplateBody=json.dumps(template)
    )
    assert CHECKS["stack"](session, {"name": "app"}).passed


def test_no_wildcards_refuses_service_wide_actions_and_any_resource(learner):
    _, session = learner
    make_function(session)
    iam = session.client("iam")

    def grant(statement):
        document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        iam.put_role_policy(RoleName="fn-role", PolicyName="p", PolicyDocument=document)
        return CHECKS["no_wildcards"](session, {"role": "fn-role", "service": "s3"})

    narrow = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/reports/*"}
    assert grant(narrow).passed
    assert "s3:*" in grant({**narrow, "Action": "s3:*"}).found
    assert 'Resource "*"' in grant({**narrow, "Resource": "*"}).found


def test_no_items_passes_once_the_matching_item_is_gone(learner):
    _, session = learner
    dynamodb = session.client("dynamodb")
    dynamodb.create_table(
        TableName="sessions",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName="sessions", Item={"id": {"S": "s-1"}, "user": {"S": "ada"}})
    gone = {"table": "sessions", "where": {"id": "s-1"}, "wait_s": 0}
    held = CHECKS["no_items"](session, gone)
    assert not held.passed and held.found == "1 such item(s)"
    assert CHECKS["no_items"](session, {**gone, "where": {"id": "s-1", "user": "bob"}}).passed
    dynamodb.delete_item(TableName="sessions", Key={"id": {"S": "s-1"}})
    assert CHECKS["no_items"](session, gone).passed
    missing = CHECKS["no_items"](session, {**gone, "table": "nope"})
    assert not missing.passed and missing.found == "ResourceNotFoundException"


def test_files_on_an_s3_put_upload_the_zipped_package(learner):
    _, session = learner
    session.client("s3").create_bucket(Bucket="artifacts")
    call = Call(
        "s3",
        "put_object",
        {"Bucket": "artifacts", "Key": "app.zip"},
        files={"app.py": CODE},
    )
    assert 'Body=open("function.zip", "rb").read()' in as_python(call)
    assert as_cli(call).endswith("--body function.zip")
    assert run_call(session, call).ok
    body = session.client("s3").get_object(Bucket="artifacts", Key="app.zip")["Body"].read()
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.read("app.py").decode() == CODE


def test_a_fast_forward_tells_the_learner_which_of_their_schedules_fired(learner):
    _, session = learner
    account = session.client("sts").get_caller_identity()["Account"]
    make_function(session)
    events = session.client("events")
    rule_arn = events.put_rule(Name="nightly", ScheduleExpression="cron(0 3 * * ? *)")["RuleArn"]
    allow_invoke(SimpleNamespace(client=session.client, account_id=account), "fn", EVENTS, rule_arn)
    function = f"arn:aws:lambda:us-east-1:{account}:function:fn"
    events.put_targets(Rule="nightly", Targets=[{"Id": "fn", "Arn": function}])

    spec = CallSpec("sandbox", "fast_forward", {"seconds": 2 * 86400})
    record = run_action(session, spec, LabContext({"account": account}))
    assert record.ok and record.response["fired"] == {rule_arn: 2}
    assert record.response["skipped"] == {} and record.response["seconds"] == 2 * 86400
    assert record.note.startswith("The sandbox clock moved 2 days, from ")
    assert "`rule/nightly` fired 2 times." in record.note
    assert "sandbox.fast_forward(seconds=172800)" in record.python


def test_the_long_job_steps_refusal_action_shows_lambdas_limit(learner):
    learner_id, session = learner
    lab = load_labs().lab("exam-scenarios")
    assert lab is not None
    step = lab.step("long-job")
    ctx = context_for(session, learner_id, lab)
    first = lab.steps[0]  # the role the report function runs as
    first_inputs = ctx.with_inputs(event=first.event, code=first.editor.starter)
    assert all(run_action(session, call, first_inputs).ok for call in first.solution[:2])
    create, *_, refuse = step.actions
    inputs = ctx.with_inputs(event=step.event, code=step.editor.starter)
    assert run_action(session, create.call, inputs).ok
    record = run_action(session, refuse.call, inputs)
    assert not record.ok
    assert record.error.startswith("ValidationException")
    assert "less than or equal to 900" in record.error
    config = session.client("lambda").get_function_configuration(FunctionName=ctx.values["report"])
    assert config["Timeout"] == 900
