variable "role_name" {
  description = "Name of the audit role. Must equal ROOTWATCH_MEMBER_ROLE and the scanner role's audit_role_name."
  type        = string
  default     = "RootwatchAudit"

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.role_name))
    error_message = "role_name must be a valid IAM role name (1-64 of letters, digits and +=,.@_-)."
  }
}

variable "scanner_principal_arn" {
  description = "ARN of the role Rootwatch runs as (the scanner-role module's role_arn). The only principal trusted to assume the audit role."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+$", var.scanner_principal_arn))
    error_message = "scanner_principal_arn must be an IAM role ARN."
  }
}

variable "external_id" {
  description = "Optional sts:ExternalId the scanner must present (ROOTWATCH_EXTERNAL_ID). Empty: no external id condition."
  type        = string
  default     = ""
  sensitive   = true

  validation {
    # RE2 caps counted repetition at 1000, so the length is checked apart.
    condition     = var.external_id == "" || (can(regex("^[\\w+=,.@:/-]+$", var.external_id)) && length(var.external_id) >= 2 && length(var.external_id) <= 1224)
    error_message = "external_id must be empty or 2-1224 of letters, digits and +=,.@:/_-."
  }
}

variable "tags" {
  description = "Extra tags for the role."
  type        = map(string)
  default     = {}
}
