"""Shapes of the intake's public API: the desk directory and the active questionnaire."""

from __future__ import annotations

from rest_framework import serializers


class DeskSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    website = serializers.CharField()
    phone = serializers.CharField()
    fraud_line = serializers.CharField()
    description_nl = serializers.CharField()
    description_en = serializers.CharField()
    fraud_types = serializers.ListField(child=serializers.CharField())
    audiences = serializers.ListField(child=serializers.CharField())
    services = serializers.ListField(child=serializers.CharField())
    channels = serializers.ListField(child=serializers.CharField())
    takes_warm_referrals = serializers.BooleanField()
    referral_method = serializers.CharField()
    field_policy = serializers.ListField(child=serializers.CharField())


class QuestionnaireSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    name = serializers.CharField()
    definition = serializers.JSONField()
