#pragma once
void crash_if_asked(void);
