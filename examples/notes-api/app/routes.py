from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import get_session
from app.models import Note
from app.schemas import NoteIn, NoteOut

router = APIRouter(prefix="/notes", tags=["notes"])

SessionDep = Annotated[Session, Depends(get_session)]
NOT_FOUND = {status.HTTP_404_NOT_FOUND: {"description": "Note not found"}}


def get_note_or_404(session: Session, note_id: int) -> Note:
    note = session.get(Note, note_id)
    if note is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Note not found")
    return note


@router.get("", response_model=list[NoteOut])
def list_notes(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Note]:
    query = select(Note).order_by(Note.id).limit(limit).offset(offset)
    return list(session.scalars(query))


@router.post("", response_model=NoteOut, status_code=status.HTTP_201_CREATED)
def create_note(payload: NoteIn, session: SessionDep) -> Note:
    note = Note(**payload.model_dump())
    session.add(note)
    session.commit()
    session.refresh(note)
    return note


@router.get("/{note_id}", response_model=NoteOut, responses=NOT_FOUND)
def get_note(note_id: int, session: SessionDep) -> Note:
    return get_note_or_404(session, note_id)


@router.delete("/{note_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response, responses=NOT_FOUND)
def delete_note(note_id: int, session: SessionDep) -> None:
    session.delete(get_note_or_404(session, note_id))
    session.commit()
