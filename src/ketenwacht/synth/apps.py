from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "ketenwacht.synth"
    label = "synth"
