"""infra/pictura.yaml, the production stack as code: cfn-lint finds nothing, and moto's
CloudFormation on loopback creates what it supports, as the template says."""
import ast
import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from cfnlint.decode import decode_str
from moto.cloudformation.parsing import get_model_map
from moto.server import ThreadedMotoServer

from pictura.testing.servers import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATE = ROOT / "infra" / "pictura.yaml"
PARAMETERS = {
    "DomainName": "photos.example.org", "CognitoDomainPrefix": "pictura-test", "MailFromDomain": "example.org",
    "CertificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
    "AlarmEmail": "ops@example.org",
}
# What moto 5.2's CloudFormation cannot create (README, "Deploying to AWS"): its resources are
# skipped there, and checked only by cfn-lint.
NOT_IN_MOTO = {
    "AWS::CloudFront::CachePolicy", "AWS::CloudFront::Distribution", "AWS::CloudFront::KeyGroup",
    "AWS::CloudFront::OriginAccessControl", "AWS::CloudFront::PublicKey", "AWS::CloudWatch::Alarm", "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain", "AWS::Cognito::UserPoolGroup",
    "AWS::ElastiCache::CacheCluster", "AWS::ElastiCache::SubnetGroup", "AWS::ElasticBeanstalk::Application",
    "AWS::ElasticBeanstalk::ConfigurationTemplate", "AWS::ElasticBeanstalk::Environment",
    "AWS::S3::BucketPolicy", "AWS::SES::EmailIdentity", "AWS::SecretsManager::Secret",
}


def test_cfn_lint_finds_nothing():
    done = subprocess.run([Path(sys.executable).parent / "cfn-lint", str(TEMPLATE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def moto_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    yield f"http://127.0.0.1:{server._port}"
    server.stop()


def client(service, endpoint):
    return boto3.client(service, endpoint_url=endpoint, region_name="eu-west-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


@pytest.mark.filterwarnings("ignore:Tried to parse AWS")
def test_moto_creates_what_it_supports(moto_endpoint):
    template, errors = decode_str(TEMPLATE.read_text())
    assert not errors
    types = {resource["Type"] for resource in template["Resources"].values()}
    supported = set(get_model_map())
    assert types - supported == NOT_IN_MOTO  # the README's list stays true
    skipped = {name for name, resource in template["Resources"].items() if resource["Type"] not in supported}
    # moto refuses outputs about resources it skipped; the others must come out.
    template["Outputs"] = {key: output for key, output in template["Outputs"].items()
                           if not any(name in json.dumps(output) for name in skipped)}
    cloudformation = client("cloudformation", moto_endpoint)
    cloudformation.create_stack(
        StackName="pictura", TemplateBody=json.dumps(template, default=str), Capabilities=["CAPABILITY_IAM"],
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in PARAMETERS.items()],
    )

    stack = cloudformation.describe_stacks(StackName="pictura")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    created = {r["LogicalResourceId"] for r in cloudformation.list_stack_resources(StackName="pictura")["StackResourceSummaries"]
               if r["ResourceStatus"] == "CREATE_COMPLETE"}
    assert set(template["Resources"]) - skipped <= created
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}
    assert outputs["CognitoDomain"] == "pictura-test.auth.eu-west-1.amazoncognito.com"

    [database] = client("rds", moto_endpoint).describe_db_instances()["DBInstances"]
    assert database["StorageEncrypted"] and not database["PubliclyAccessible"] and database["Engine"] == "postgres"
    iam = client("iam", moto_endpoint)
    [role] = [role["RoleName"] for role in iam.list_roles()["Roles"] if "InstanceRole" in role["RoleName"]]
    document = iam.get_role_policy(RoleName=role, PolicyName="pictura")["PolicyDocument"]
    # moto 5.2 hands back a document that came from a template as Python's repr of it.
    statements = (ast.literal_eval(document) if isinstance(document, str) else document)["Statement"]
    s3_resources = {statement["Resource"] for statement in statements if statement["Action"][0].startswith("s3:")}
    bucket = outputs["BucketName"]
    assert s3_resources == {f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"}  # that bucket, nothing else
    groups = {group["Description"]: group for group in client("ec2", moto_endpoint).describe_security_groups()["SecurityGroups"]}
    instances = groups["Pictura web and worker instances"]["GroupId"]
    only_from_instances = {"PostgreSQL from the Pictura instances only": 5432, "Redis from the Pictura instances only": 6379}
    for description, port in only_from_instances.items():
        [rule] = groups[description]["IpPermissions"]
        assert (rule["FromPort"], rule["IpRanges"], [pair["GroupId"] for pair in rule["UserIdGroupPairs"]]) == (
            port, [], [instances])
