"""A student's first session, through a client generated from sophie's OpenAPI document
(openapi-python-client, no hand edits): sign up, create a course, a flashcard set and a quiz,
then take the quiz and read the grade. Every answer is parsed into the generated models, so a
response that drifts from the document fails here.
"""

import os
import sys
import uuid

from sophie_client import AuthenticatedClient, Client
from sophie_client.api.auth import auth_sign_up
from sophie_client.api.courses import courses_create, courses_get
from sophie_client.api.flashcards import flashcards_create, flashcards_get
from sophie_client.api.quizzes import quizzes_create, quizzes_submit_response
from sophie_client.models import (
    AuthResponse,
    Course,
    CreateCourse,
    CreateFlashcard,
    CreateFlashcardSet,
    CreateQuestion,
    CreateQuiz,
    Difficulty,
    FlashcardSetWithCards,
    GradedQuizResponse,
    QuestionType,
    QuizWithQuestions,
    SignUp,
    SubmitAnswer,
    SubmitResponse,
)

BASE = os.environ["SOPHIE_URL"]


def expect(response, status, model):
    if response.status_code != status or not isinstance(response.parsed, model):
        sys.exit(
            f"expected {status} {model.__name__}, got {response.status_code}: "
            f"{response.content[:500]!r}"
        )
    return response.parsed


anonymous = Client(base_url=BASE, raise_on_unexpected_status=True)
email = f"client.{uuid.uuid4().hex[:12]}@example.com"
auth = expect(
    auth_sign_up.sync_detailed(
        client=anonymous,
        body=SignUp(name="Grace Hopper", email=email, password="compilers are fun"),
    ),
    201,
    AuthResponse,
)
client = AuthenticatedClient(base_url=BASE, token=auth.token, raise_on_unexpected_status=True)

course = expect(
    courses_create.sync_detailed(
        client=client, body=CreateCourse(name="Compilers", code="CS 143", color="violet")
    ),
    201,
    Course,
)
assert expect(courses_get.sync_detailed(course.id, client=client), 200, Course).name == "Compilers"

flashcards = expect(
    flashcards_create.sync_detailed(
        client=client,
        body=CreateFlashcardSet(
            title="Parsing",
            difficulty=Difficulty.MEDIUM,
            course_id=course.id,
            tags=["parsing"],
            flashcards=[
                CreateFlashcard(question="What does LR stand for?", answer="Left-to-right, Rightmost derivation"),
                CreateFlashcard(question="What is a token?", answer="A categorised lexeme", difficulty=Difficulty.EASY),
            ],
        ),
    ),
    201,
    FlashcardSetWithCards,
)
again = expect(flashcards_get.sync_detailed(flashcards.id, client=client), 200, FlashcardSetWithCards)
assert [card.question for card in again.flashcards] == [
    "What does LR stand for?",
    "What is a token?",
], again.flashcards

quiz = expect(
    quizzes_create.sync_detailed(
        client=client,
        body=CreateQuiz(
            title="Parsing check",
            difficulty=Difficulty.EASY,
            course_id=course.id,
            questions=[
                CreateQuestion(
                    type_=QuestionType.MULTIPLE_CHOICE,
                    question="Which parser is bottom-up?",
                    options=["LL(1)", "LR(1)", "Recursive descent"],
                    correct_answer="LR(1)",
                    points=2,
                ),
                CreateQuestion(
                    type_=QuestionType.TRUE_FALSE,
                    question="Every LL(1) grammar is LR(1).",
                    correct_answer="true",
                ),
            ],
        ),
    ),
    201,
    QuizWithQuestions,
)
first, second = quiz.questions
graded = expect(
    quizzes_submit_response.sync_detailed(
        quiz.id,
        client=client,
        body=SubmitResponse(
            answers=[
                SubmitAnswer(question_id=first.id, answer="LR(1)"),
                SubmitAnswer(question_id=second.id, answer="false"),
            ],
            time_spent_seconds=95,
        ),
    ),
    201,
    GradedQuizResponse,
)
assert (graded.score, graded.total_points, graded.correct_count) == (2, 3, 1), graded
print(
    f"generated client: signed up, course {course.id}, set of {len(again.flashcards)} cards, "
    f"quiz graded {graded.score}/{graded.total_points}"
)
