resource "aws_iam_role" "audit" {
  name        = var.role_name
  description = "Read-only access to root-user posture for Rootwatch (IAM account summary, credential report, virtual MFA, password policy)."
  # The shortest duration IAM allows; one account is assessed in seconds.
  max_session_duration = 3600
  assume_role_policy   = jsonencode(local.trust_policy)
  tags                 = merge(var.tags, { "rootwatch:component" = "member-audit-role" })
}

resource "aws_iam_role_policy" "root_posture_read" {
  name   = "RootwatchRootPostureRead"
  role   = aws_iam_role.audit.id
  policy = jsonencode(local.permissions_policy)
}
