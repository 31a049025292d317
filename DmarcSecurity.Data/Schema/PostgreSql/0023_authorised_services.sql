-- 0023: the sending services an analyst marked as sending for a domain, against which the domain's senders view and
-- its policy readiness are judged. Never edit once landed; add a later script instead.

CREATE TABLE authorised_services (
    domain text NOT NULL,
    service text NOT NULL,
    authorised_by text NOT NULL,
    authorised_at timestamp with time zone NOT NULL,
    note text NULL,
    PRIMARY KEY (domain, service)
);
