"""Running the platform: the jobs process (`flask jobs run`), incidents recorded where a background step or a
stored file failed, and the start-up checks that keep production from running with unsafe settings."""


def init_app(app) -> None:
    from app.operations.jobs import register_jobs_cli

    register_jobs_cli(app)  # flask jobs run: the one process that runs the scheduled jobs
