"""Keys the pipeline's own components add to a message's parse data: shared by the Rasa
server, which writes them, and the action server and reports, which read them (without
importing Rasa's runtime)."""

# What the off-topic guard saw: similarity, threshold, and the route it overruled.
OFF_TOPIC_GUARD = "off_topic_guard"
# A lookup and a life experience too close to call: {"lookup": ..., "experience": ...}.
CASE_OR_PROGRAM = "case_or_program"
