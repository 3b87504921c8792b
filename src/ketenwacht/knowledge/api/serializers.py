from typing import Any

from rest_framework import serializers


class FraudTypeSerializer(serializers.Serializer[Any]):
    """A fraud type; ``name`` and ``description`` follow the request language (Accept-Language),
    both languages are always included."""

    code = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    name_nl = serializers.CharField()
    name_en = serializers.CharField()
    description_nl = serializers.CharField()
    description_en = serializers.CharField()
    sort_order = serializers.IntegerField()
