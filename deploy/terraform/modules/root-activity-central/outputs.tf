output "event_bus_arn" {
  description = "central_bus_arn of the root-activity-member module."
  value       = aws_cloudwatch_event_bus.root_activity.arn
}

output "queue_url" {
  description = "ROOTWATCH_EVENTS_QUEUE_URL of the events role."
  value       = aws_sqs_queue.root_activity.id
}

output "queue_arn" {
  description = "ARN of the root-activity queue."
  value       = aws_sqs_queue.root_activity.arn
}

output "dead_letter_queue_arn" {
  description = "Messages the consumer could not record, after 5 receives."
  value       = aws_sqs_queue.dead_letter.arn
}
