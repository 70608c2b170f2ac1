package fakegit

import "fmt"

// AddComment posts a comment on a pull request.
func (s *Store) AddComment(full string, number int, author, body string) (Comment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return Comment{}, err
	}
	if _, err := r.pr(number); err != nil {
		return Comment{}, err
	}
	r.nextComment++
	c := &Comment{ID: r.Repo.ID*100000 + r.nextComment, Author: author, Body: body, Created: s.now(), Updated: s.now()}
	r.comments[number] = append(r.comments[number], c)
	return *c, nil
}

// Comments lists a pull request's comments, oldest first.
func (s *Store) Comments(full string, number int) ([]Comment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return nil, err
	}
	if _, err := r.pr(number); err != nil {
		return nil, err
	}
	out := make([]Comment, 0, len(r.comments[number]))
	for _, c := range r.comments[number] {
		out = append(out, *c)
	}
	return out, nil
}

// Comment finds a comment by ID in any pull request of the repository and
// returns it with its pull request number.
func (s *Store) Comment(full string, id int) (Comment, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return Comment{}, 0, err
	}
	for n, cs := range r.comments {
		for _, c := range cs {
			if c.ID == id {
				return *c, n, nil
			}
		}
	}
	return Comment{}, 0, fmt.Errorf("comment %d: %w", id, ErrNotFound)
}

// UpdateComment replaces a comment's body.
func (s *Store) UpdateComment(full string, id int, body string) (Comment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return Comment{}, err
	}
	for _, cs := range r.comments {
		for _, c := range cs {
			if c.ID == id {
				c.Body, c.Updated = body, s.now()
				return *c, nil
			}
		}
	}
	return Comment{}, fmt.Errorf("comment %d: %w", id, ErrNotFound)
}

func copyHook(h *Hook) Hook {
	out := *h
	out.Events = append([]string(nil), h.Events...)
	out.Extra = map[string]string{}
	for k, v := range h.Extra {
		out.Extra[k] = v
	}
	return out
}

// AddHook registers a webhook; its ID is assigned.
func (s *Store) AddHook(full string, h Hook) (Hook, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return Hook{}, err
	}
	r.nextHook++
	h.ID = r.Repo.ID*1000 + r.nextHook
	h.Created = s.now()
	stored := copyHook(&h)
	r.hooks = append(r.hooks, &stored)
	return copyHook(&stored), nil
}

// Hooks lists a repository's webhooks in creation order.
func (s *Store) Hooks(full string) ([]Hook, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return nil, err
	}
	out := make([]Hook, len(r.hooks))
	for i, h := range r.hooks {
		out[i] = copyHook(h)
	}
	return out, nil
}

// Hook returns one webhook.
func (s *Store) Hook(full string, id int) (Hook, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return Hook{}, err
	}
	for _, h := range r.hooks {
		if h.ID == id {
			return copyHook(h), nil
		}
	}
	return Hook{}, fmt.Errorf("hook %d: %w", id, ErrNotFound)
}

// UpdateHook changes a webhook in place with edit.
func (s *Store) UpdateHook(full string, id int, edit func(*Hook)) (Hook, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return Hook{}, err
	}
	for _, h := range r.hooks {
		if h.ID == id {
			if h.Extra == nil {
				h.Extra = map[string]string{}
			}
			edit(h)
			h.ID = id
			return copyHook(h), nil
		}
	}
	return Hook{}, fmt.Errorf("hook %d: %w", id, ErrNotFound)
}

// DeleteHook removes a webhook.
func (s *Store) DeleteHook(full string, id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return err
	}
	for i, h := range r.hooks {
		if h.ID == id {
			r.hooks = append(r.hooks[:i], r.hooks[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("hook %d: %w", id, ErrNotFound)
}
