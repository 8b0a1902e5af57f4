output "role_arn" {
  description = "ARN of the scanner role: the member role's scanner_principal_arn and the IRSA annotation value."
  value       = aws_iam_role.scanner.arn
}

output "role_name" {
  description = "Name of the scanner role."
  value       = aws_iam_role.scanner.name
}
