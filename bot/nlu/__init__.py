"""Understanding people: the pretrained sentence encoder and the NLU pipeline's own components.

`encoder` needs neither Rasa nor TensorFlow, so the action server's catalog search can share it;
the Rasa graph components beside it are loaded by the Rasa server from `config.yml`.
"""
