"""Learners are separate AWS accounts: same names, no sight of each other, separate resets."""

from __future__ import annotations

import urllib.request
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

CODE = "OWNER = '{owner}'\ndef handler(event, context):\n    return OWNER\n"
LIST_TABLES = """
import boto3
def handler(event, context):
    table = boto3.resource("dynamodb").Table("orders")
    return [item["id"] for item in table.scan()["Items"]]
"""


@pytest.fixture(scope="module")
def alice(make_learner):
    return make_learner(f"alice-{uuid.uuid4().hex[:6]}")


@pytest.fixture(scope="module")
def bob(make_learner):
    return make_learner(f"bob-{uuid.uuid4().hex[:6]}")


def make_table(learner, item_id: str) -> None:
    dynamodb = learner.client("dynamodb")
    dynamodb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName="orders", Item={"id": {"S": item_id}})


def test_two_learners_use_the_same_names_without_seeing_each_other(alice, bob):
    assert alice.account_id != bob.account_id
    for learner in (alice, bob):
        iam = learner.client("iam")
        iam.create_role(RoleName="app-role", AssumeRolePolicyDocument="{}")
        learner.create_function(CODE.format(owner=learner.learner_id), name="process")
        learner.create_function(LIST_TABLES, name="list-orders", Timeout=30)
        make_table(learner, f"order-of-{learner.learner_id}")

    assert alice.invoke("process")["payload"] == alice.learner_id
    assert bob.invoke("process")["payload"] == bob.learner_id
    assert alice.invoke("list-orders")["payload"] == [f"order-of-{alice.learner_id}"]
    assert bob.invoke("list-orders")["payload"] == [f"order-of-{bob.learner_id}"]
    for learner in (alice, bob):
        roles = learner.client("iam").get_role(RoleName="app-role")["Role"]["Arn"]
        assert f"::{learner.account_id}:" in roles
        names = [f["FunctionName"] for f in learner.client("lambda").list_functions()["Functions"]]
        assert names.count("process") == 1


def test_neither_learner_lists_nor_reads_the_others_buckets(alice, bob):
    alice_bucket = f"{alice.learner_id}-private"
    bob_bucket = f"{bob.learner_id}-private"
    alice.client("s3").create_bucket(Bucket=alice_bucket)
    alice.client("s3").put_object(Bucket=alice_bucket, Key="secret.txt", Body=b"alice only")
    bob.client("s3").create_bucket(Bucket=bob_bucket)

    alice_sees = {b["Name"] for b in alice.client("s3").list_buckets()["Buckets"]}
    bob_sees = {b["Name"] for b in bob.client("s3").list_buckets()["Buckets"]}
    assert alice_bucket in alice_sees and bob_bucket not in alice_sees
    assert bob_bucket in bob_sees and alice_bucket not in bob_sees

    with pytest.raises(ClientError) as read:
        bob.client("s3").get_object(Bucket=alice_bucket, Key="secret.txt")
    assert read.value.response["Error"]["Code"] in ("AccessDenied", "NoSuchBucket")
    with pytest.raises(ClientError) as listing:
        bob.client("s3").list_objects_v2(Bucket=alice_bucket)
    assert listing.value.response["Error"]["Code"] in ("AccessDenied", "NoSuchBucket")
    # Bucket names stay global, as on AWS: the name is taken for everyone.
    with pytest.raises(ClientError) as taken:
        bob.client("s3").create_bucket(Bucket=alice_bucket)
    assert taken.value.response["Error"]["Code"] == "BucketAlreadyExists"


def test_resetting_one_learner_wipes_only_their_account(sandbox, make_learner):
    carol = make_learner(f"carol-{uuid.uuid4().hex[:6]}")
    dave = make_learner(f"dave-{uuid.uuid4().hex[:6]}")
    bucket = f"{carol.learner_id}-data"
    for learner in (carol, dave):
        learner.create_function(CODE.format(owner=learner.learner_id), name="process")
    carol.client("s3").create_bucket(Bucket=bucket)
    carol.invoke("process")

    sandbox.reset_learner(carol.learner_id)

    assert carol.client("lambda").list_functions()["Functions"] == []
    assert carol.client("s3").list_buckets()["Buckets"] == []
    assert carol.client("iam").list_roles()["Roles"] == []
    assert dave.invoke("process")["payload"] == dave.learner_id
    # The name is free again, and carol's credentials still work after the reset.
    carol.client("s3").create_bucket(Bucket=bucket)
    identity = carol.client("sts").get_caller_identity()
    assert identity["Account"] == carol.account_id
    assert identity["Arn"].endswith(":user/learner")


def test_requests_cannot_pick_another_account_or_reach_motos_admin_api(sandbox, alice, bob):
    with pytest.raises(ClientError) as unknown:
        boto3.client(
            "s3",
            endpoint_url=sandbox.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="AKIAUNKNOWNKEY000000",
            aws_secret_access_key="x" * 40,
        ).list_buckets()
    assert unknown.value.response["Error"]["Code"] == "InvalidAccessKeyId"

    sneaky = alice.new_client("lambda")
    sneaky.meta.events.register(
        "before-sign.lambda.*",
        lambda request, **_: request.headers.__setitem__("x-moto-account-id", bob.account_id),
    )
    with pytest.raises(ClientError) as header:
        sneaky.list_functions()
    assert header.value.response["Error"]["Code"] == "AccessDenied"

    request = urllib.request.Request(f"{sandbox.endpoint_url}/moto-api/reset", method="POST")
    with pytest.raises(urllib.error.HTTPError) as admin:
        urllib.request.urlopen(request, timeout=5)
    assert admin.value.code == 403
