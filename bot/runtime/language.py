"""LanguageFromMetadata: an NLU component that turns the language in the message metadata
into a `language` entity, which the language slot maps from (bot/domain/core.yml). The
reply language then reaches the bot inside NLU, with no call to the action server (before,
a custom slot mapping ran `action_set_language` on every turn)."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, METADATA
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.runtime.turn import language_entity, language_from_metadata


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageFromMetadata(GraphComponent, EntityExtractorMixin):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageFromMetadata:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data  # training examples carry no metadata

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            language = language_from_metadata(message.get(METADATA))
            if language:
                entities = [*message.get(ENTITIES, []), language_entity(language)]
                message.set(ENTITIES, entities, add_to_output=True)
        return messages
