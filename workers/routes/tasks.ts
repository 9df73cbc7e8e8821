import { Hono } from "hono";
import { taskHost, taskSessionId } from "../../durable-objects/stubs";
import { sessionIdSchema } from "../../shared/contracts/session";
import {
  listTasksQuerySchema,
  type TaskDetailPage,
  type TaskList,
  taskDetailPageSchema,
  taskDetailQuerySchema,
  taskIdSchema,
  taskListSchema,
} from "../../shared/contracts/task";
import { EdgentError } from "../../shared/errors";
import { retryIfReset } from "../../shared/object-reset";
import { validate } from "../body";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";
import { answer, describe, json } from "../openapi/describe";
import { caller, sessionNotFound, sessionStub } from "./sessions";

/** /v1/sessions/:id/tasks: what a session's turns delegated to sub-agents. */
export const taskRoutes = new Hono<RouterEnv>()
  .get(
    "/:id/tasks",
    describe({
      operationId: "listTasks",
      tag: "tasks",
      summary: "List a session's delegated tasks",
      description: "The tasks the session's turns handed to sub-agents, oldest first.",
      params: { id: sessionIdSchema },
      query: listTasksQuerySchema,
      responses: { 200: answer("the tasks", json(taskListSchema)) },
      errors: [400, 404],
    }),
    async (c) => {
      const who = caller(c);
      const query = validate(listTasksQuerySchema, c.req.query(), "query");
      const tasks = await retryIfReset(() => sessionStub(c, who.sessionId).listTasks(who, query.limit));
      if (!tasks) throw sessionNotFound(who.sessionId);
      const body: TaskList = { tasks };
      return c.json(body);
    },
  )
  .all("/:id/tasks", methodNotAllowed(["GET"]))

  .get(
    "/:id/tasks/:taskId",
    describe({
      operationId: "getTask",
      tag: "tasks",
      summary: "One delegated task, with the sub-agent's messages",
      params: { id: sessionIdSchema, taskId: taskIdSchema },
      query: taskDetailQuerySchema,
      responses: { 200: answer("the task", json(taskDetailPageSchema)) },
      errors: [400, 404],
    }),
    async (c) => {
      const who = caller(c);
      const taskId = validate(taskIdSchema, c.req.param("taskId"), "taskId");
      const query = validate(taskDetailQuerySchema, c.req.query(), "query");
      const task = await retryIfReset(() => sessionStub(c, who.sessionId).getTask(who, taskId));
      if (!task) throw sessionNotFound(who.sessionId);
      if (task === "no_task") throw new EdgentError("not_found", `task '${taskId}' not found`);
      // the session vouched for the task, so its sub-agent's object (same tenant) may be read
      const tenant = c.get("tenant");
      // a task that has not started has no sub-agent object yet, and a lookup makes none
      const page =
        query.messages === 0 || task.attempts === 0
          ? null
          : await retryIfReset(() =>
              taskHost(c.env, { tenant, taskId }).listMessages(
                { tenant, sessionId: taskSessionId(taskId) },
                0,
                query.messages,
              ),
            );
      const body: TaskDetailPage = { ...task, messages: page?.messages ?? [], messagesHasMore: page?.hasMore ?? false };
      return c.json(body);
    },
  )
  .all("/:id/tasks/:taskId", methodNotAllowed(["GET"]));
