output "role_arn" {
  description = "ARN of the audit role."
  value       = aws_iam_role.audit.arn
}

output "role_name" {
  description = "Name of the audit role (set ROOTWATCH_MEMBER_ROLE to this)."
  value       = aws_iam_role.audit.name
}
