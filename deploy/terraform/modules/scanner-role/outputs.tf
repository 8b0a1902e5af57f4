output "role_arn" {
  description = "ARN of the scanner role: the member role's scanner_principal_arn and the IRSA annotation value."
  value       = aws_iam_role.scanner.arn
}

output "role_name" {
  description = "Name of the scanner role."
  value       = aws_iam_role.scanner.name
}

output "instance_profile_name" {
  description = "Instance profile for the docker compose host (trust_mode ec2-instance only, else null)."
  value       = one(aws_iam_instance_profile.scanner[*].name)
}
