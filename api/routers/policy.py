from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import AdminDep, PolicyDep
from api.errors import ERROR_RESPONSES

router = APIRouter(
    prefix="/api/v1/policy", tags=["policy"], dependencies=[AdminDep], responses=ERROR_RESPONSES
)


@router.get("")
def get_policy(policy: PolicyDep) -> dict[str, Any]:
    return policy.model_dump(mode="json")
