variable "central_bus_arn" {
  description = "ARN of the central root-activity event bus (root-activity-central module output event_bus_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:\\d{12}:event-bus/[\\w.-]{1,256}$", var.central_bus_arn))
    error_message = "central_bus_arn must be an EventBridge event bus ARN."
  }
}

variable "rule_name" {
  description = "Name of the EventBridge rule in this account and region."
  type        = string
  default     = "rootwatch-root-activity"
}

variable "create_forwarder_role" {
  description = "Create the put-only forwarder role (once per account: IAM is global). False: pass forwarder_role_arn."
  type        = bool
  default     = true
}

variable "forwarder_role_name" {
  description = "Name of the forwarder role when it is created here."
  type        = string
  default     = "RootwatchRootActivityForwarder"
}

variable "forwarder_role_arn" {
  description = "The forwarder role created by this module in another region (when create_forwarder_role is false)."
  type        = string
  default     = ""
}

variable "tags" {
  description = "Extra tags."
  type        = map(string)
  default     = {}
}
