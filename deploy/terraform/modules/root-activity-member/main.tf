# Root activity in seconds (docs/root-activity.md): the member side of EVENTS.md, the Terraform twin of
# RootActivityRule and RootActivityForwarderRole in deploy/aws/member-role.yaml. Apply it with a provider
# for us-east-1 (console sign-in events are emitted there) and one for every other enabled region.

resource "aws_cloudwatch_event_rule" "root_activity" {
  name        = var.rule_name
  description = "Forwards root-user console sign-ins and API calls (CloudTrail) to Rootwatch's central bus."
  event_pattern = jsonencode({
    "detail-type" = ["AWS Console Sign In via CloudTrail", "AWS API Call via CloudTrail"]
    detail        = { userIdentity = { type = ["Root"] } }
  })
  tags = merge(var.tags, { "rootwatch:component" = "root-activity-rule" })
}

resource "aws_cloudwatch_event_target" "central_bus" {
  rule      = aws_cloudwatch_event_rule.root_activity.name
  target_id = "RootwatchCentralBus"
  arn       = var.central_bus_arn
  role_arn  = var.create_forwarder_role ? aws_iam_role.forwarder[0].arn : var.forwarder_role_arn
}

# Cross-account event bus targets are sent with a role; this one may only put events on that bus.
# IAM is global: create it once (create_forwarder_role in one region) and pass forwarder_role_arn elsewhere.
resource "aws_iam_role" "forwarder" {
  count = var.create_forwarder_role ? 1 : 0

  name               = var.forwarder_role_name
  description        = "Lets the root-activity rule put events on Rootwatch's central bus, and nothing else."
  assume_role_policy = jsonencode(local.forwarder_trust_policy)
  tags               = merge(var.tags, { "rootwatch:component" = "root-activity-forwarder" })
}

resource "aws_iam_role_policy" "forwarder" {
  count = var.create_forwarder_role ? 1 : 0

  name   = "RootwatchForwardRootActivity"
  role   = aws_iam_role.forwarder[0].id
  policy = jsonencode(local.forwarder_policy)
}

data "aws_caller_identity" "current" {}

locals {
  forwarder_trust_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "TrustEventBridge"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sts:AssumeRole"
        Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
      }
    ]
  }

  forwarder_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "PutOnCentralBus"
        Effect   = "Allow"
        Action   = "events:PutEvents"
        Resource = var.central_bus_arn
      }
    ]
  }
}
