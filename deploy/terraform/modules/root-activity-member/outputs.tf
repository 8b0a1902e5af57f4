output "rule_arn" {
  description = "ARN of the root-activity rule."
  value       = aws_cloudwatch_event_rule.root_activity.arn
}

output "forwarder_role_arn" {
  description = "ARN of the forwarder role (pass it as forwarder_role_arn to the other regions' instances)."
  value       = var.create_forwarder_role ? aws_iam_role.forwarder[0].arn : var.forwarder_role_arn
}
