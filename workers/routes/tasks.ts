import { Hono } from "hono";
import { taskHost, taskSessionId } from "../../durable-objects/stubs";
import {
  listTasksQuerySchema,
  type TaskDetail,
  taskDetailQuerySchema,
  taskIdSchema,
} from "../../shared/contracts/task";
import { EdgentError } from "../../shared/errors";
import { retryIfReset } from "../../shared/object-reset";
import { validate } from "../body";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";
import { caller, sessionNotFound, sessionStub } from "./sessions";

/** /v1/sessions/:id/tasks: what a session's turns delegated to sub-agents. */
export const taskRoutes = new Hono<RouterEnv>()
  .get("/:id/tasks", async (c) => {
    const who = caller(c);
    const query = validate(listTasksQuerySchema, c.req.query(), "query");
    const tasks = await retryIfReset(() => sessionStub(c, who.sessionId).listTasks(who, query.limit));
    if (!tasks) throw sessionNotFound(who.sessionId);
    return c.json({ tasks });
  })
  .all("/:id/tasks", methodNotAllowed(["GET"]))

  .get("/:id/tasks/:taskId", async (c) => {
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
    const detail: TaskDetail = { ...task, messages: page?.messages ?? [] };
    return c.json({ ...detail, messagesHasMore: page?.hasMore ?? false });
  })
  .all("/:id/tasks/:taskId", methodNotAllowed(["GET"]));
