package org.onefold.client;
