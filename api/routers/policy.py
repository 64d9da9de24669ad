from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import AdminDep, PolicyDep

router = APIRouter(prefix="/api/v1/policy", tags=["policy"], dependencies=[AdminDep])


@router.get("")
def get_policy(policy: PolicyDep) -> dict[str, Any]:
    return policy.model_dump(mode="json")
