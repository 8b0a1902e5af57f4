# Root activity in seconds (docs/root-activity.md): the central side of EVENTS.md in the security account,
# the Terraform twin of deploy/aws/root-activity-central.yaml, plus the scanner role's permissions on the
# queue (the events role's only SQS permissions).

data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

resource "aws_cloudwatch_event_bus" "root_activity" {
  name = var.bus_name
  tags = merge(var.tags, { "rootwatch:component" = "root-activity-bus" })
}

# Only accounts of the organization may put events on the bus.
resource "aws_cloudwatch_event_bus_policy" "organization" {
  event_bus_name = aws_cloudwatch_event_bus.root_activity.name
  policy         = jsonencode(local.bus_policy)
}

resource "aws_sqs_queue" "dead_letter" {
  name = "${var.queue_name}-dlq"
  # 14 days (the maximum) to look at what the consumer could not record.
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = merge(var.tags, { "rootwatch:component" = "root-activity-dlq" })
}

resource "aws_sqs_queue" "root_activity" {
  name = var.queue_name
  # Longer than a batch of 10 transactions; a crashed consumer's messages come back after it.
  visibility_timeout_seconds = 60
  receive_wait_time_seconds  = 20
  message_retention_seconds  = 345600
  sqs_managed_sse_enabled    = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = 5
  })
  tags = merge(var.tags, { "rootwatch:component" = "root-activity-queue" })
}

resource "aws_cloudwatch_event_rule" "to_queue" {
  name           = "rootwatch-root-activity-to-queue"
  description    = "Every root-activity event forwarded by a member account goes to Rootwatch's queue."
  event_bus_name = aws_cloudwatch_event_bus.root_activity.name
  event_pattern  = jsonencode({ detail = { userIdentity = { type = ["Root"] } } })
}

resource "aws_cloudwatch_event_target" "queue" {
  rule           = aws_cloudwatch_event_rule.to_queue.name
  event_bus_name = aws_cloudwatch_event_bus.root_activity.name
  target_id      = "RootwatchQueue"
  arn            = aws_sqs_queue.root_activity.arn
}

# SQS targets use a resource policy: only this rule may send to the queue.
resource "aws_sqs_queue_policy" "from_rule" {
  queue_url = aws_sqs_queue.root_activity.id
  policy    = jsonencode(local.queue_policy)
}

resource "aws_iam_role_policy" "scanner_queue" {
  count = var.scanner_role_name == "" ? 0 : 1

  name   = "RootwatchRootActivityQueue"
  role   = var.scanner_role_name
  policy = jsonencode(local.consumer_policy)
}

locals {
  bus_arn = "arn:${data.aws_partition.current.partition}:events:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:event-bus/${var.bus_name}"

  bus_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "OrganizationMembersPutEvents"
        Effect    = "Allow"
        Principal = "*"
        Action    = "events:PutEvents"
        Resource  = local.bus_arn
        Condition = { StringEquals = { "aws:PrincipalOrgID" = var.organization_id } }
      }
    ]
  }

  queue_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "RootActivityRuleSends"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.root_activity.arn
        Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.to_queue.arn } }
      }
    ]
  }

  # The events role (rootwatch events) on this queue only: no SendMessage, no other queue.
  consumer_actions = [
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
  ]

  consumer_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ConsumeRootActivityQueue"
        Effect   = "Allow"
        Action   = local.consumer_actions
        Resource = aws_sqs_queue.root_activity.arn
      }
    ]
  }
}
